"""The study's CNN trained by a plain PyTorch script: the reference bench_cnn.py compares
our Keras path with (issue 27). Standalone, so it runs in any Python that has torch:

    python bench/plain_torch_cnn.py --steps 60 --batch-size 64 --rounds 3 --threads 2

Prints one line of JSON: images per second of the second epoch of each fresh model
(the first warms up), float32, Adam (Keras' defaults: learning rate 1e-3, eps 1e-7),
batch order shuffled each epoch, dropout 0.5, the same random images as bench_cnn.py.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def build(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(128, 128, 3, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(128 * 4 * 4, 128),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(128, 10),  # logits: cross_entropy applies the softmax
    )


def images_per_second(torch, x, y, batch_size, seed):
    torch.manual_seed(seed)
    model = build(torch)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = len(x)
    seconds = []
    for _ in range(2):
        order = torch.randperm(n)
        model.train()
        start = time.perf_counter()
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    return n / seconds[-1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    args = parser.parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    n = args.steps * args.batch_size
    # bench_cnn.py's images, NHWC there, NCHW here.
    x = torch.from_numpy(rng.random((n, 32, 32, 1), dtype=np.float32)).permute(0, 3, 1, 2)
    x = x.contiguous()
    y = torch.from_numpy(rng.integers(0, 10, n))
    images_per_second(torch, x, y, args.batch_size, seed=0)  # warm-up
    runs = [images_per_second(torch, x, y, args.batch_size, seed=r) for r in range(args.rounds)]
    print(
        json.dumps(
            {"torch": torch.__version__, "threads": torch.get_num_threads(), "images_per_s": runs}
        )
    )


if __name__ == "__main__":
    main()
