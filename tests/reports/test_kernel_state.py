"""What a warm batch kernel changes in itself keeps the notebooks' outputs as they were: prints and
displays in their order, cells transformed as IPython would, charts reused only there."""
from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook


def test_batch_kernel_outputs_keep_their_order_and_cells_their_meaning(tmp_path):
    from analysis.reports.kernels import KernelSession
    from analysis.reports.render import execute_notebook
    from tests.reports.conftest import require_kernel

    require_kernel()
    nb = new_notebook(cells=[
        new_code_cell("from IPython.display import HTML, display\nimport sys"),
        new_code_cell("print('one')\ndisplay(HTML('<b>two</b>'))\nprint('three', file=sys.stderr)\n"
                      "display(HTML('<i>four</i>'))\nprint('five')"),
        new_code_cell("%%capture cap\nprint('hidden')"),  # a cell magic: transformed as IPython does
        new_code_cell("print(repr(cap.stdout), __import__('analysis.reports.figure_pool', fromlist=['_']).enabled())"),
    ])
    nb.metadata["kernelspec"] = {"name": "analysis", "display_name": "analysis", "language": "python"}
    src = tmp_path / "order.ipynb"
    nbformat.write(nb, src)
    session = KernelSession()  # the batch warm-up: quick displays, memoised cell transforms, figure pool
    try:
        for run in range(2):  # the second run reads the memoised transforms
            km = session.acquire()
            out = execute_notebook(src, tmp_path / f"out{run}.ipynb", {}, km=km, kc=session.kc)
            session.release(True)
            seen = []
            for o in out.cells[1].outputs:
                seen.append(o.get("text") or "".join(o["data"]["text/html"]))
            assert " ".join(seen).split() == ["one", "<b>two</b>", "three", "<i>four</i>", "five"], seen
            assert out.cells[3].outputs[0]["text"] == "'hidden\\n' True\n"
    finally:
        session.shutdown()
