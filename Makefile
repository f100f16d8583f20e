# Every target sets itself up on a fresh machine: the virtualenv, the project, the index.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install index run chat bot test test-unit test-e2e typecheck lint bench train-reader clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build that lies on this machine's disk; never the multi-GB CUDA one.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test,milvus]'
	touch $(STAMP)

install: $(STAMP)

index: install
	$(BIN)/kutip index

# The Telegram bot when TELEGRAM_BOT_TOKEN is set (environment or .env), else the terminal chat.
run: index
	$(BIN)/kutip run

chat: index
	$(BIN)/kutip chat

bot: index
	$(BIN)/kutip bot

test: install
	$(BIN)/python -m pytest

# The fast suite (fake embedder, handlers included; under a minute on two cores) and the real model's.
test-unit: install
	$(BIN)/python -m pytest tests/unit

test-e2e: install
	$(BIN)/python -m pytest tests/e2e

typecheck: install
	$(BIN)/mypy

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

# Needs ../shared/eval (the team's eval data); writes bench/results/*.json.
bench: install
	cd bench && for script in retrieval decline tune_judge reader seed_answers follow_ups runtime tokenizer speed library scale; do \
		../$(BIN)/python $$script.py || exit 1; done

# Rebuilds index/models/reader/weights/reader-seed*.safetensors from ../shared/eval (see MODEL_CARD.md
# there): encoder states for every example once, then each head's epochs.
train-reader: install
	$(BIN)/python -m training.prepare_reader_data --eval-dir ../shared/eval --out build/reader
	$(BIN)/python -m training.train_reader --data build/reader --seed 0
	$(BIN)/python -m training.train_reader --data build/reader --seed 1

clean:
	rm -rf $(VENV) data build .pytest_cache
