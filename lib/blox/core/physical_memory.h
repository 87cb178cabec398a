// This machine's physical memory: what a model's size is measured against.
#pragma once

namespace bx {

/// This machine's physical memory in bytes.
double physical_memory_bytes();

}  // namespace bx
