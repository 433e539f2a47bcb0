"""The only code that touches a langgraph BaseStore: the writer, the reader and the backends."""
