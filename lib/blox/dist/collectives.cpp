#include "blox/dist/collectives.h"

#include <cstdlib>

#include <ATen/ops/cat.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>
#include <cstring>
#include <fmt/format.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "blox/core/errors.h"

namespace bx {

struct Collectives::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#ifdef USE_C10D_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;  ///< null unless the run is on a GPU
#endif
};

namespace {

bool is_loopback(const std::string& address) { return address == "localhost" || address.rfind("127.", 0) == 0; }

std::shared_ptr<gloo::transport::Device> transport_device(const LaunchEnv& env) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME")) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  }
  if (is_loopback(env.master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

// The first line of a libtorch message: its frames are for developers, not users.
std::string first_line(const std::string& message) { return message.substr(0, message.find('\n')); }

}  // namespace

Collectives::Collectives(const LaunchEnv& env, std::chrono::milliseconds timeout, c10::Device device)
    : rank_(env.rank), world_size_(env.world_size), group_(std::make_unique<Group>()) {
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(env.master_port);
    // torchrun's agent hosts the store when it says so; otherwise rank 0 does.
    options.isServer = !env.agent_store && env.rank == 0;
    options.numWorkers = static_cast<size_t>(env.world_size);
    options.waitWorkers = false;
    options.timeout = timeout;
    c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
    // Each (re)start of the run gets its own keys, as torchrun's workers do.
    group_->store =
        c10::make_intrusive<c10d::PrefixStore>(fmt::format("/worker/attempt_{}", env.restart_count), store);
    auto gloo_options = c10d::ProcessGroupGloo::Options::create(timeout);
    gloo_options->devices.push_back(transport_device(env));
    gloo_options->threads = 1;
    group_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(group_->store, static_cast<int>(env.rank),
                                                               static_cast<int>(env.world_size), gloo_options);
#ifdef USE_C10D_NCCL
    if (device.is_cuda()) {
      auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
      nccl_options->timeout = timeout;
      group_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(
          c10::make_intrusive<c10d::PrefixStore>("nccl", group_->store), static_cast<int>(env.rank),
          static_cast<int>(env.world_size), nccl_options);
    }
#endif
  } catch (const std::exception& e) {
    throw DistError(fmt::format("rank {} of {}: cannot join the process group at {}:{}: {}", env.rank, env.world_size,
                                env.master_addr, env.master_port, first_line(e.what())));
  }
}

Collectives::~Collectives() = default;

template <class Launch>
void Collectives::run_on(const std::vector<at::Tensor>& tensors, const std::string& what, Launch launch) {
#ifdef USE_C10D_NCCL
  if (group_->nccl && !tensors.empty() && tensors.front().is_cuda()) {
    run(what, [&](c10d::ProcessGroupGloo&) { return launch(*group_->nccl); });
    return;
  }
#endif
  run(what, [&](c10d::ProcessGroupGloo& gloo) { return launch(gloo); });
}

template <class Launch>
void Collectives::run(const std::string& what, Launch launch) {
  try {
    c10::intrusive_ptr<c10d::Work> work = launch(*group_->gloo);
    work->wait();
  } catch (const std::exception& e) {
    throw DistError(fmt::format("rank {} of {}: {} failed: {}; another rank died, hung or was stopped", rank_,
                                world_size_, what, first_line(e.what())));
  }
}

void Collectives::for_buckets(const std::string& what, const std::vector<at::Tensor>& tensors, int64_t bucket_bytes,
                              bool average) {
  size_t begin = 0;
  while (begin < tensors.size()) {
    // A bucket: consecutive tensors of one dtype and device, up to bucket_bytes (at least one).
    size_t end = begin;
    int64_t bytes = 0;
    while (end < tensors.size() && tensors[end].scalar_type() == tensors[begin].scalar_type() &&
           tensors[end].device() == tensors[begin].device() &&
           (end == begin || bytes + static_cast<int64_t>(tensors[end].nbytes()) <= bucket_bytes)) {
      bytes += static_cast<int64_t>(tensors[end].nbytes());
      ++end;
    }
    std::vector<at::Tensor> flat_parts;
    for (size_t i = begin; i < end; ++i) flat_parts.push_back(tensors[i].reshape({-1}));
    std::vector<at::Tensor> bucket{at::cat(flat_parts)};
    if (average) bucket[0].mul_(1.0 / static_cast<double>(world_size_));
    run_on(bucket, what, [&](auto& g) {
      if (average) return g.allreduce(bucket, c10d::AllreduceOptions{});
      return g.broadcast(bucket, c10d::BroadcastOptions{});
    });
    int64_t offset = 0;
    for (size_t i = begin; i < end; ++i) {
      const int64_t n = tensors[i].numel();
      tensors[i].copy_(bucket[0].narrow(0, offset, n).view(tensors[i].sizes()));
      offset += n;
    }
    begin = end;
  }
}

void Collectives::average(const std::vector<at::Tensor>& tensors, int64_t bucket_bytes) {
  for_buckets("all-reduce of gradients", tensors, bucket_bytes, true);
}

void Collectives::broadcast(const std::vector<at::Tensor>& tensors, int64_t bucket_bytes) {
  for_buckets("broadcast of params from rank 0", tensors, bucket_bytes, false);
}

std::vector<double> Collectives::sum(const std::vector<double>& values) {
  std::vector<at::Tensor> t{at::tensor(values, at::kDouble)};
  run("all-reduce of evaluation sums", [&](c10d::ProcessGroupGloo& g) { return g.allreduce(t, c10d::AllreduceOptions{}); });
  return {t[0].data_ptr<double>(), t[0].data_ptr<double>() + t[0].numel()};
}

int64_t Collectives::max(int64_t value) {
  std::vector<at::Tensor> t{at::tensor({value}, at::kLong)};
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::MAX;
  run("all-reduce of the stop flag", [&](c10d::ProcessGroupGloo& g) { return g.allreduce(t, options); });
  return t[0].item<int64_t>();
}

std::string Collectives::broadcast_text(const std::string& text) {
  std::vector<at::Tensor> size{at::tensor({static_cast<int64_t>(text.size())}, at::kLong)};
  run("broadcast of the run's state from rank 0",
      [&](c10d::ProcessGroupGloo& g) { return g.broadcast(size, c10d::BroadcastOptions{}); });
  if (size[0].item<int64_t>() == 0) return "";  // every rank knows it now (an empty tensor has no data)
  std::vector<at::Tensor> bytes{at::zeros({size[0].item<int64_t>()}, at::kByte)};
  if (rank_ == 0) std::memcpy(bytes[0].data_ptr(), text.data(), text.size());
  run("broadcast of the run's state from rank 0",
      [&](c10d::ProcessGroupGloo& g) { return g.broadcast(bytes, c10d::BroadcastOptions{}); });
  return {reinterpret_cast<const char*>(bytes[0].data_ptr()), static_cast<size_t>(bytes[0].numel())};
}

void Collectives::barrier() {
  run("barrier", [](c10d::ProcessGroupGloo& g) { return g.barrier(c10d::BarrierOptions{}); });
}

}  // namespace bx
