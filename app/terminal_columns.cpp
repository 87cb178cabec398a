#include <sys/ioctl.h>
#include <unistd.h>

#include "commands.h"

namespace blox_app {

int terminal_columns() {
  winsize size{};
  return ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 ? size.ws_col : 0;
}

}  // namespace blox_app
