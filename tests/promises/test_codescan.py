"""The code scan of the security promises catches each way of spelling what it forbids
(so that its passing over the code base means something)."""

from __future__ import annotations

import textwrap

import pytest

from tests.promises.codescan import scan

ALLOWED = {("tool.py", "subprocess.run()")}
DYNAMIC_PICKLE = "import importlib\nimportlib.import_module('pickle').loads(b'')"


@pytest.mark.parametrize(
    ("code", "finding"),
    [
        ("import pickle\npickle.loads(b'')", "import pickle"),
        ("import pickle as p\np.loads(b'')", "import pickle"),
        ("from pickle import loads as l\nl(b'')", "from pickle import ..."),
        ("import subprocess\nsubprocess.run('ls', shell=True)", "subprocess.run()"),
        ("from subprocess import run\nrun(['ls'])", "from subprocess import run"),
        ("from subprocess import run\nrun(['ls'])", "subprocess.run()"),
        ("from subprocess import Popen as P\nP(['ls'])", "subprocess.Popen()"),
        ("import subprocess as sp\nsp.check_output(['ls'])", "subprocess.check_output()"),
        ("from os import system\nsystem('ls')", "os.system()"),
        ("import os as o\no.popen('ls')", "os.popen()"),
        ("import yaml as y\ny.load(open('f'))", "yaml.load()"),
        ("from torch import load\nload('m.pt')", "torch.load()"),
        ("import subprocess\nr = subprocess.run\nr(['ls'])", "subprocess.run()"),
        ("import subprocess\nworkers.map(subprocess.call, jobs)", "subprocess.call (referred to)"),
        ("import os\ngetattr(os, 'system')('ls')", "os.system()"),
        ("import os\nf = getattr(os, 'system')\nf('ls')", "os.system()"),
        (DYNAMIC_PICKLE, "importlib.import_module('pickle')"),
        (DYNAMIC_PICKLE, "pickle.loads()"),
        ("from importlib import import_module as im\nim('marshal')", "importlib.import_module('marshal')"),
        ("import importlib\nm = importlib.import_module('subprocess')\nm.run(['ls'])", "subprocess.run()"),
        ("import importlib\nimportlib.import_module(name)", "importlib.import_module(<not a constant>)"),
        ("__import__('pickle')", "builtins.__import__()"),
        ("__import__('subprocess').run(['ls'])", "subprocess.run()"),
        ("import builtins\nbuiltins.eval('1')", "builtins.eval()"),
        ("from builtins import exec as run_code\nrun_code('x = 1')", "from builtins import exec"),
        ("getattr(__builtins__, 'eval')('1')", "__builtins__.eval()"),
        ("e = eval\ne('1')", "builtins.eval()"),
        ("eval('1 + 1')", "builtins.eval()"),
        ("exec('x = 1')", "builtins.exec()"),
        ("compile('x', 'f', 'exec')", "builtins.compile()"),
        ("import numpy as np\nnp.load('a.npy', allow_pickle=True)", "allow_pickle=True"),
        ("import subprocess, sys\nsubprocess.run([sys.executable, 'x'], shell=True)", "subprocess.run()"),
    ],
)
def test_each_way_of_spelling_a_forbidden_thing_is_found(code, finding):
    assert finding in scan(code, "tool.py", ALLOWED), scan(code, "tool.py", ALLOWED)


SAFE = """
import re
import subprocess
import sys
from re import compile

import eval as evaluation
import eval.bench
import numpy as np
import yaml

PATTERN = compile(r"x+")
OTHER = re.compile(r"y+")
data = yaml.safe_load("a: 1")
vectors = np.load("a.npy", allow_pickle=False)
model.eval()
eval.bench.run_from_args(args)
evaluation.metrics(results)
subprocess.run([sys.executable, "-m", "index.embed.precision", "model"], check=True)
"""


def test_safe_code_and_the_allowed_run_are_not_reported():
    assert scan(textwrap.dedent(SAFE), "tool.py", ALLOWED) == []
    # the same run elsewhere is reported: only the listed file may start this Python
    assert scan(textwrap.dedent(SAFE), "other.py", ALLOWED) == ["subprocess.run()"]
