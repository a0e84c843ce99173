//! The OpenAI-compatible client against the fake model, and the travel assistant over HTTP.

mod llm;
