"""borderwatch's benchmarks: `make bench` (= `python -m bench`) runs them all and prints one
JSON object per benchmark, with the bars it checks and whether each holds."""
