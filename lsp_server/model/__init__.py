"""Model engines and everything that talks to a model.

`types` holds the requests and results every engine shares; `formats`
detects and builds fill-in-the-middle prompts; `llama_engine` runs a GGUF
in-process with llama-cpp-python; `openai_engine` speaks to an
OpenAI-compatible server; `runner` owns the one model thread; `resolve`
finds the model file. Nothing here imports pygls or lsprotocol.
"""
