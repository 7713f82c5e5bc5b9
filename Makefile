serve:
	.venv/bin/gauntlet serve

test:
	scripts/test

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

bench:
	.venv/bin/python bench/api.py
	.venv/bin/python bench/runs.py
	.venv/bin/python bench/generate.py
	.venv/bin/python bench/load.py
	.venv/bin/python bench/dashboard.py
	.venv/bin/python bench/graphql.py

.PHONY: serve test lint bench
