-- Who asked: the name of the API key (tutor serve), so usage and cost can be attributed per client.
ALTER TABLE turns ADD COLUMN client TEXT;
