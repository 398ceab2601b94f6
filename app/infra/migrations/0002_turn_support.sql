-- Citation checking results, so the usage page can chart groundedness over time.
ALTER TABLE turns ADD COLUMN unsupported_sentences INTEGER NOT NULL DEFAULT 0;
ALTER TABLE turns ADD COLUMN usage_source TEXT;  -- provider | tokenizer | tiktoken
