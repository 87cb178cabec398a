// doctest's main for the blox suite (support/doctest_main.h: no empty runs, skips exit 77).
#define DOCTEST_CONFIG_IMPLEMENT
#include "support/doctest_main.h"

int main(int argc, char** argv) { return bx::test::run_doctest(argc, argv); }
