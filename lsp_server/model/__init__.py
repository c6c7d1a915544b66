"""Model engines and everything that talks to a model.

`types` holds the requests and results every engine shares; `formats`
detects fill-in-the-middle formats from the model file and `prompts` lays
out and fits FIM prompts; `llama_engine` runs a GGUF in-process with
llama-cpp-python through the token loop in `generation`, and `chat` renders
the model's chat template; `openai_engine` speaks to an OpenAI-compatible
server; `runner` owns the one model thread; `loader` resolves and loads the
model (`gguf_file` checks files before llama.cpp sees them); `text` keeps
text valid UTF-8 at the boundary. Getting a model: `hardware` probes the
machine, `presets` is the table by hardware tier, `discovery` finds GGUFs
other tools downloaded, `pull` downloads from the Hub, `choice` resolves a
name and records it in the user config file. Nothing here imports pygls or lsprotocol.
"""
