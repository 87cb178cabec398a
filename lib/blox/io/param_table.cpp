// Param tables for people (aligned text) and for programs (JSON).
#include "blox/io/param_table.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "blox/core/shape.h"

namespace bx {

std::string param_role(const Param& param) {
  if (param.trainable) return "trainable";
  return param.meta.count("tag") ? "state" : "frozen";
}

nlohmann::json param_table_json(const Params& params) {
  nlohmann::json rows = nlohmann::json::array();
  std::map<std::string, int64_t> counts{{"trainable", 0}, {"frozen", 0}, {"state", 0}};
  int64_t bytes = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& p = params.param(i);
    const int64_t n = p.value.numel();
    const int64_t b = n * static_cast<int64_t>(p.value.element_size());
    rows.push_back({{"path", params.key(i)},
                    {"shape", p.value.sizes().vec()},
                    {"dtype", std::string(c10::toString(p.value.scalar_type()))},
                    {"role", param_role(p)},
                    {"count", n},
                    {"bytes", b}});
    counts[param_role(p)] += n;
    bytes += b;
  }
  return {{"params", rows},
          {"totals",
           {{"trainable", counts["trainable"]}, {"frozen", counts["frozen"]}, {"state", counts["state"]}, {"bytes", bytes}}}};
}

std::string param_table(const Params& params) {
  const nlohmann::json table = param_table_json(params);
  size_t width = 4;
  for (const auto& row : table["params"]) width = std::max(width, row["path"].get<std::string>().size());
  std::string out = fmt::format("{:<{}}  {:<18}  {:<6}  {:<9}  {:>10}\n", "path", width, "shape", "dtype", "role", "count");
  for (const auto& row : table["params"]) {
    out += fmt::format("{:<{}}  {:<18}  {:<6}  {:<9}  {:>10}\n", row["path"].get<std::string>(), width,
                       format_shape(row["shape"].get<std::vector<int64_t>>()), row["dtype"].get<std::string>(),
                       row["role"].get<std::string>(), row["count"].get<int64_t>());
  }
  const auto& t = table["totals"];
  out += fmt::format("total: {} trainable, {} frozen, {} state; {} bytes\n", t["trainable"].get<int64_t>(),
                     t["frozen"].get<int64_t>(), t["state"].get<int64_t>(), t["bytes"].get<int64_t>());
  return out;
}

std::string module_table(const Params& params) {
  struct Counts {
    int64_t trainable = 0, frozen = 0, state = 0;
  };
  std::vector<std::pair<std::string, Counts>> modules;
  std::map<std::string, size_t> row_of;
  Counts total;
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string& path = params.key(i);
    const size_t first = path.find('/');
    const size_t second = first == std::string::npos ? std::string::npos : path.find('/', first + 1);
    const std::string module = path.substr(0, second);
    auto [row, fresh] = row_of.emplace(module, modules.size());
    if (fresh) modules.emplace_back(module, Counts{});
    Counts& c = modules[row->second].second;
    const std::string role = param_role(params.param(i));
    const int64_t n = params.param(i).value.numel();
    for (Counts* counts : {&c, &total}) {
      (role == "trainable" ? counts->trainable : role == "frozen" ? counts->frozen : counts->state) += n;
    }
  }
  size_t width = 6;
  for (const auto& [name, c] : modules) width = std::max(width, name.size());
  std::string out = fmt::format("{:<{}}  {:>10}  {:>10}  {:>10}\n", "module", width, "trainable", "frozen", "state");
  for (const auto& [name, c] : modules) {
    out += fmt::format("{:<{}}  {:>10}  {:>10}  {:>10}\n", name, width, c.trainable, c.frozen, c.state);
  }
  return out + fmt::format("{:<{}}  {:>10}  {:>10}  {:>10}\n", "total", width, total.trainable, total.frozen, total.state);
}

}  // namespace bx
