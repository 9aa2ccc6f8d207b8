-- Fails while it loads.
error("boom at start")
