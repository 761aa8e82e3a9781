"""Gradio chat UI: a thin presenter over :class:`qa.Assistant`."""
