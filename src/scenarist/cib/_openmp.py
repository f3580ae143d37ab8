"""How numba's OpenMP threads wait between parallel loops; imported for this side effect before any compiled kernel
first starts its threads (libgomp reads these variables once, when it is loaded).

Threads that wait sleep rather than spin for long: libgomp's default spins, and on a machine whose cores are busy
the spinning threads take the CPU from the ones working (measured on the 2-core machine under load: an empty
parallel loop took 12 ms (median) instead of 0.01 ms, and a threaded search 6 times as long as on one thread).
But a sleeping thread costs 40–60 µs to wake, which is more than a small search takes: so they spin briefly first
(``GOMP_SPINCOUNT`` 10 000, about 0.2–0.5 ms on that machine) and sleep after. Back-to-back searches then start
their threads in about 2 µs. Either variable set by the user is left alone (and then neither is set here).
"""

import os

if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    os.environ["GOMP_SPINCOUNT"] = "10000"  # overrides the passive policy's 0 (libgomp: GOMP_SPINCOUNT wins)
