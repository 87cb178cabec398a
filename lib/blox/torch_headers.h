// The heavy third-party headers, compiled once as the precompiled header of every target.
#pragma once

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/autograd.h>
