"""The rules of the conversation, free of I/O: values in, values out."""
