// The error hierarchy of the library: it throws these, only app/ catches and maps them to exit codes.
#pragma once

#include <stdexcept>
#include <string>

namespace bx {

/// Base of every error blox throws. Messages read `<where>: <what>; expected X, got Y` + optional `hint:`.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// A config, option or setting is invalid (bad key, type, range, unknown name).
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// One setting of a layer, optimizer or schedule is invalid. `field` is its YAML key, so the
/// config layer can point at the key's own line and column.
class SettingError : public ConfigError {
 public:
  SettingError(std::string field, const std::string& message) : ConfigError(message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

/// Tensor shapes do not fit (found on the dummy pass or at run time). `layer` is the path of
/// the innermost layer whose forward it left (Layer::operator() fills it in), so a config
/// can point at the spec that made that layer.
class ShapeError : public Error {
 public:
  explicit ShapeError(const std::string& message) : Error(message) {}
  ShapeError(std::string layer, const std::string& message) : Error(message), layer_(std::move(layer)) {}
  const std::string& layer() const { return layer_; }

 private:
  std::string layer_;
};

/// A dataset file is missing, corrupt or inconsistent.
class DataError : public Error {
 public:
  using Error::Error;
};

/// A checkpoint file is missing, corrupt or does not match the model.
class CheckpointError : public Error {
 public:
  using Error::Error;
};

/// A data-parallel collective failed: a peer died, hung past the timeout or could not connect.
class DistError : public Error {
 public:
  using Error::Error;
};

/// A new param was requested from locked params, or the params container was misused.
class ParamsError : public Error {
 public:
  using Error::Error;
};

}  // namespace bx
