// The graph builder over ONNX's own protobuf classes (onnx-ml.pb.h from libonnx-dev).
#include "blox/export/onnx_graph.h"

#include <cstring>

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "blox/core/errors.h"

namespace bx {
namespace {

void fill_tensor(onnx::TensorProto& proto, const std::string& name, const at::Tensor& value) {
  at::Tensor t = value.detach().cpu();
  if (t.is_floating_point()) {
    t = t.to(at::kFloat);
    proto.set_data_type(onnx::TensorProto::FLOAT);
  } else if (t.scalar_type() == at::kLong || t.scalar_type() == at::kInt) {
    t = t.to(at::kLong);
    proto.set_data_type(onnx::TensorProto::INT64);
  } else {
    throw ConfigError(fmt::format("export: tensor '{}' has dtype {}; ONNX export writes float32 and int64",
                                  name, c10::toString(value.scalar_type())));
  }
  t = t.contiguous();
  proto.set_name(name);
  for (int64_t d : t.sizes()) proto.add_dims(d);
  proto.set_raw_data(std::string(static_cast<const char*>(t.data_ptr()), t.nbytes()));
}

void set_attribute(onnx::AttributeProto& proto, const OnnxAttribute& attribute) {
  proto.set_name(attribute.name);
  if (const auto* i = std::get_if<int64_t>(&attribute.value)) {
    proto.set_type(onnx::AttributeProto::INT);
    proto.set_i(*i);
  } else if (const auto* f = std::get_if<float>(&attribute.value)) {
    proto.set_type(onnx::AttributeProto::FLOAT);
    proto.set_f(*f);
  } else if (const auto* list = std::get_if<std::vector<int64_t>>(&attribute.value)) {
    proto.set_type(onnx::AttributeProto::INTS);
    for (int64_t v : *list) proto.add_ints(v);
  } else {
    proto.set_type(onnx::AttributeProto::STRING);
    proto.set_s(std::get<std::string>(attribute.value));
  }
}

}  // namespace

OnnxGraph::OnnxGraph(onnx::GraphProto& graph, int opset) : graph_(graph), opset_(opset) {}

std::string OnnxGraph::fresh(const std::string& hint) {
  std::string name = hint;
  for (int i = 1; names_.count(name); ++i) name = fmt::format("{}_{}", hint, i);
  names_.insert(name);
  return name;
}

std::string OnnxGraph::initializer(const std::string& name, const at::Tensor& value) {
  if (names_.count(name)) return name;
  names_.insert(name);
  fill_tensor(*graph_.add_initializer(), name, value);
  return name;
}

std::string OnnxGraph::constant(const std::string& hint, const at::Tensor& value) {
  const std::string name = fresh(hint);
  fill_tensor(*graph_.add_initializer(), name, value);
  return name;
}

std::string OnnxGraph::ints(const std::string& hint, const std::vector<int64_t>& values) {
  return constant(hint, at::tensor(values, at::kLong));
}

std::string OnnxGraph::scalar(const std::string& hint, float value) {
  return constant(hint, at::scalar_tensor(value, at::kFloat));
}

std::string OnnxGraph::node(const std::string& op, const std::vector<std::string>& inputs, const std::string& hint,
                            const std::vector<OnnxAttribute>& attributes) {
  return node(op, inputs, hint, 1, attributes).front();
}

std::vector<std::string> OnnxGraph::node(const std::string& op, const std::vector<std::string>& inputs,
                                         const std::string& hint, size_t outputs,
                                         const std::vector<OnnxAttribute>& attributes) {
  onnx::NodeProto& node = *graph_.add_node();
  node.set_op_type(op);
  for (const auto& input : inputs) node.add_input(input);
  std::vector<std::string> names;
  for (size_t i = 0; i < outputs; ++i) {
    names.push_back(fresh(outputs == 1 ? hint : fmt::format("{}_{}", hint, i)));
    node.add_output(names.back());
  }
  node.set_name(names.front());
  for (const auto& attribute : attributes) set_attribute(*node.add_attribute(), attribute);
  return names;
}

}  // namespace bx
