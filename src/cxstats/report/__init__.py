"""The report pipeline: notebooks -> executed notebooks -> HTML and PDF reports.

Used from the command line (``cxstats render notebooks -o reports`` or
``python -m cxstats.report notebooks -o reports``) and by ``make report``. Quarto users
can instead run ``quarto render`` in ``reports/``; the notebooks carry Quarto's options.
"""

from ._callouts import Cautions, cautions
from ._checks import check_notebook
from ._execute import RenderError, execute_notebook
from ._render import RenderedReport, render_notebook, render_suite

__all__ = ["Cautions", "RenderError", "RenderedReport", "cautions", "check_notebook", "execute_notebook",
           "render_notebook", "render_suite"]
