"""Article question answering with cited, extractive answers.

>>> from qa import Assistant
>>> assistant = Assistant.open("my-index")
>>> assistant.add(["articles/"])
>>> assistant.ask("What did Trump say about USMCA?").to_dict()
"""

from index.errors import QAError
from qa.assistant import Assistant
from qa.types import Answer, Citation, Passage

__all__ = ["Answer", "Assistant", "Citation", "Passage", "QAError"]
