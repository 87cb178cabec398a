// OnnxGraph: adds nodes, initializers and constants to an ONNX graph under unique names.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <ATen/core/Tensor.h>

namespace onnx {
class GraphProto;
}

namespace bx {

/// One node attribute: an integer, a float, a list of integers or a string.
struct OnnxAttribute {
  std::string name;
  std::variant<int64_t, float, std::vector<int64_t>, std::string> value;
};

/// The lowest and highest opset the exporter writes (ONNX 1.12, Debian's, knows up to 17).
constexpr int kMinOnnxOpset = 13;
constexpr int kMaxOnnxOpset = 17;

class OnnxGraph {
 public:
  /// Adds to `graph` (owned by the caller's ModelProto) for opset `opset`.
  OnnxGraph(onnx::GraphProto& graph, int opset);

  int opset() const { return opset_; }

  /// `value` (float32 or int64, any device) as an initializer named exactly `name` — a param's
  /// path, so the exported file names its weights as the checkpoint does. Adding a name twice
  /// keeps the first (a tied weight is stored once). Returns `name`.
  std::string initializer(const std::string& name, const at::Tensor& value);
  /// A constant (a shape, an epsilon, a converted weight) under a fresh name built from `hint`.
  std::string constant(const std::string& hint, const at::Tensor& value);
  std::string ints(const std::string& hint, const std::vector<int64_t>& values);
  std::string scalar(const std::string& hint, float value);

  /// Adds node `op` reading `inputs` ("" for an omitted optional input); its one output gets a
  /// fresh name from `hint`, which is returned.
  std::string node(const std::string& op, const std::vector<std::string>& inputs, const std::string& hint,
                   const std::vector<OnnxAttribute>& attributes = {});
  /// The same with `outputs` outputs (e.g. LSTM's Y, Y_h, Y_c).
  std::vector<std::string> node(const std::string& op, const std::vector<std::string>& inputs,
                                const std::string& hint, size_t outputs, const std::vector<OnnxAttribute>& attributes);

  /// `hint`, or `hint` with a counter when the name is taken.
  std::string fresh(const std::string& hint);

 private:
  onnx::GraphProto& graph_;
  int opset_;
  std::set<std::string> names_;
};

}  // namespace bx
