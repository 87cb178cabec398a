// Process groups over loopback for the tests: a free port, and the environment of one of two ranks.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "blox/dist/launch_env.h"

namespace bx::test {

inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

/// Rank `rank` of 2 on 127.0.0.1:`port`, launched by "test".
inline LaunchEnv loopback_rank(int64_t rank, int port) {
  LaunchEnv e;
  e.rank = rank;
  e.world_size = 2;
  e.master_addr = "127.0.0.1";
  e.master_port = port;
  e.launcher = "test";
  return e;
}

}  // namespace bx::test
