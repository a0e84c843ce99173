//! (skeleton: the OpenAI-compatible client, filled by the assistant branch)
