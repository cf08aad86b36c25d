"""LLM backends behind one interface (``LLMBackend``): the embedded llama.cpp model, any
OpenAI-compatible server (vLLM in production), and the metering wrapper the benchmarks read."""
