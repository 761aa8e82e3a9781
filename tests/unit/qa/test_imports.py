import subprocess
import sys


def test_import_qa_does_not_load_heavy_libraries():
    code = (
        "import sys, qa\n"
        "heavy = ('torch', 'faiss', 'gradio', 'sentence_transformers', 'pymilvus')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
