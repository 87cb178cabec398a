// start_child: this program again, its output where asked, its exit code as a shell reports it.
#include "blox/runtime/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "support/temp_dir.h"

using namespace bx;

namespace {

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

TEST_CASE("start_child: runs this program with the arguments given, its stdout and stderr into output_fd") {
  test::TempDir dir("child_process");
  const std::string log = (dir.path / "child.log").string();
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  ChildSpec spec;
  spec.argv = {"blox_tests", "--version"};  // this test program: doctest prints its version and exits 0
  spec.output_fd = fd;
  const pid_t pid = start_child(spec, "the version check");
  ::close(fd);
  REQUIRE(pid > 0);
  const int status = wait_for(pid);
  CHECK(exit_code_of_status(status) == 0);
  CHECK(describe_status(status) == "exited with code 0");
  CHECK(test::read_text(log).find("doctest version") != std::string::npos);
}

TEST_CASE("exit_code_of_status / describe_status: a killed process is 128 + its signal") {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::pause();
    ::_exit(0);
  }
  ::kill(pid, SIGKILL);
  const int status = wait_for(pid);
  CHECK(exit_code_of_status(status) == 137);
  CHECK(describe_status(status).rfind("was killed by signal 9 (", 0) == 0);
}
