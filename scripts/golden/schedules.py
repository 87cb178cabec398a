#!/usr/bin/python3
"""Golden learning rates from PyTorch's schedulers, for tests/optim/schedule_test.cpp.

Run with Debian's python3-torch: /usr/bin/python3 scripts/golden/schedules.py
It prints the values the test asserts; rerun it if a case changes.
"""
import torch


def rates(make, steps, metrics=None):
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=1.0)
    sched = make(opt)
    out = []
    for t in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[t])
    return out


one_cycle = rates(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=0.3,
                                                                 div_factor=25.0, final_div_factor=1e4,
                                                                 anneal_strategy="cos", cycle_momentum=False), 10)
print("one_cycle", ", ".join(f"{v:.12g}" for v in one_cycle))

metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85]
plateau = rates(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2,
                                                                      threshold=1e-4, cooldown=1, min_lr=0.2), 11, metrics)
# rates[t] is the rate before metric t; the rate after the last metric:
param = None
print("plateau_before_each_metric", ", ".join(f"{v:.12g}" for v in plateau))
