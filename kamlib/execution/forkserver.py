"""The batch's fork server hook: importing this module warms the fork server up.

`multiprocessing`'s fork server can only import modules before it forks workers
(`set_forkserver_preload`), so this module exists for that one purpose and nothing else imports
it: the work itself is the explicit `warmup.warm_up()`.
"""

from kamlib.execution.warmup import warm_up

warm_up()
