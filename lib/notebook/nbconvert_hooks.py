# Loaded with `jupyter nbconvert --config` by `qkv reproduce` (lib/notebook/execute.ts).
#
# Why: a failing tslab cell reaches nbconvert as a bare "<Error>:" (the real message is in the cell's
# stderr output) and nbconvert writes nothing when a cell fails. These hooks report progress and, on
# failure, the failing cell's index, source and outputs as one JSON line on stderr, which the runner parses.
import json
import sys
import time

MARKER = "[qkv-nb] "
_started = {}  # cell index -> monotonic start time
_executed = [0]  # code cells run so far


def _emit(event, **fields):
    sys.stderr.write(MARKER + json.dumps(dict(event=event, **fields)) + "\n")
    sys.stderr.flush()


def _on_cell_execute(cell, cell_index, **_):
    _started[cell_index] = time.monotonic()
    _emit("start", index=cell_index)


def _on_cell_executed(cell, cell_index, execute_reply, **_):
    # tslab sends no execution count; number the cells in run order so the notebook reads "In [3]:".
    _executed[0] += 1
    cell["execution_count"] = _executed[0]
    status = (execute_reply or {}).get("content", {}).get("status", "ok")
    seconds = time.monotonic() - _started.get(cell_index, time.monotonic())
    _emit("done", index=cell_index, status=status, seconds=round(seconds, 3))


def _on_cell_error(cell, cell_index, execute_reply, **_):
    _emit("error", index=cell_index, source=cell.source, outputs=cell.get("outputs", []))


c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.ExecutePreprocessor.on_cell_execute = _on_cell_execute
c.ExecutePreprocessor.on_cell_executed = _on_cell_executed
c.ExecutePreprocessor.on_cell_error = _on_cell_error
