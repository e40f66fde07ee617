"""The ``dvh`` command line (``cli.main``) and its pre-commit hook (``cli.hook``).

Before anything imports numpy: numpy loads OpenBLAS, which on this 2-core machine starts a
helper thread that spins for a while after start-up. dvh calls no BLAS routine, so that thread
only took CPU from the parse-ahead and the workers (perf: 4.6% of a run's samples spinning in
``blas_thread_server``). With one BLAS thread, warm 1M-row runs, 10 pairs twice: 1.095 against
1.210 s (paired ratio 0.93), then 1.060 against 1.100 s (0.95); CPU 1.85 against 1.98 and 1.77
against 1.85 s. A value the user set is kept.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
