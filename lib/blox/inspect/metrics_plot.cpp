// Hand-written SVG: a few panels of polylines need no plotting library.
#include "blox/inspect/metrics_plot.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {
namespace {

constexpr double kWidth = 860, kPanelHeight = 230, kLeft = 70, kRight = 20, kTop = 50, kGap = 40;
constexpr double kPlotWidth = kWidth - kLeft - kRight, kPlotHeight = kPanelHeight - kGap;

struct Series {
  std::string name;
  const char* color;
  std::vector<std::pair<double, double>> points;  ///< (step, value), finite values only
  bool dashed = false;  ///< a train loss among several runs' evaluation losses
};

// One colour per run when several are overlaid (matplotlib's first ones).
constexpr const char* kRunColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

struct Panel {
  std::string title;
  std::vector<Series> series;
};

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

// `key` selects the value (a metric's name) of the rows `take` accepts; `label` is what the
// legend says.
template <typename Take>
Series series_of(const std::vector<MetricsRow>& rows, const std::string& key, const std::string& label,
                 const char* color, double (*value)(const MetricsRow&, const std::string&), Take take) {
  Series s{label, color, {}};
  for (const auto& row : rows) {
    const double v = value(row, key);
    if (take(row) && std::isfinite(v)) s.points.emplace_back(static_cast<double>(row.step), v);
  }
  return s;
}

Series series_of(const std::vector<MetricsRow>& rows, const std::string& key, const std::string& label,
                 const char* color, double (*value)(const MetricsRow&, const std::string&)) {
  return series_of(rows, key, label, color, value, [](const MetricsRow&) { return true; });
}

double metric_value(const MetricsRow& row, const std::string& name) {
  auto it = row.metrics.find(name);
  return it == row.metrics.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
}

template <typename T>
void add_once(std::vector<T>& list, const T& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

// What a legend calls metric `name` evaluated on `split` (unknown in rows of older runs).
std::string evaluation_label(const std::string& split, const std::string& name) {
  if (!split.empty()) return split + " " + name;
  return name == "loss" ? "evaluation loss" : name;
}

// Adds `run`'s curves to the panels (made when missing): its train loss and lr, and each metric
// once per split evaluated. One run keeps a colour per quantity; several get a colour each.
void add_run(std::vector<Panel>& panels, const RunCurves& run, const char* run_color) {
  auto panel = [&](const std::string& title) -> Panel& {
    for (auto& p : panels) {
      if (p.title == title) return p;
    }
    return panels.emplace_back(Panel{title, {}});
  };
  const std::string prefix = run.name.empty() ? "" : run.name + " ";
  auto color = [&](const char* own) { return run_color ? run_color : own; };
  std::vector<std::string> splits;
  for (const auto& row : run.rows) {
    if (!row.metrics.empty()) add_once(splits, row.split);
  }
  Series train = series_of(run.rows, "train_loss", prefix + "train loss", color("#1f77b4"),
                           [](const MetricsRow& r, const std::string&) { return r.train_loss; });
  train.dashed = run_color != nullptr;
  panel("loss").series.push_back(std::move(train));
  for (const auto& split : splits) {
    auto on_split = [&split](const MetricsRow& r) { return r.split == split; };
    panel("loss").series.push_back(
        series_of(run.rows, "loss", prefix + evaluation_label(split, "loss"), color("#d62728"), metric_value, on_split));
  }
  for (const auto& row : run.rows) {
    for (const auto& [name, value] : row.metrics) {
      if (name != "loss") panel(name);  // the panels in the order the metrics come
    }
  }
  for (auto& p : panels) {
    if (p.title == "loss" || p.title == "learning rate") continue;
    for (const auto& split : splits) {
      auto on_split = [&split](const MetricsRow& r) { return r.split == split; };
      Series s = series_of(run.rows, p.title, prefix + evaluation_label(split, p.title), color("#2ca02c"), metric_value,
                           on_split);
      if (!s.points.empty()) p.series.push_back(std::move(s));
    }
  }
}

std::vector<Panel> panels_of(const std::vector<RunCurves>& runs) {
  std::vector<Panel> panels{{"loss", {}}};
  for (size_t i = 0; i < runs.size(); ++i) {
    add_run(panels, runs[i], runs.size() > 1 ? kRunColors[i % std::size(kRunColors)] : nullptr);
  }
  Panel rates{"learning rate", {}};
  for (size_t i = 0; i < runs.size(); ++i) {
    const char* color = runs.size() > 1 ? kRunColors[i % std::size(kRunColors)] : "#7f7f7f";
    rates.series.push_back(series_of(runs[i].rows, "lr", runs[i].name.empty() ? "lr" : runs[i].name + " lr", color,
                                     [](const MetricsRow& r, const std::string&) { return r.lr; }));
  }
  panels.push_back(std::move(rates));
  return panels;
}

std::string draw_panel(const Panel& panel, double top, double x_lo, double x_hi) {
  double y_lo = std::numeric_limits<double>::infinity(), y_hi = -y_lo;
  for (const auto& s : panel.series) {
    for (const auto& [x, y] : s.points) {
      y_lo = std::min(y_lo, y);
      y_hi = std::max(y_hi, y);
    }
  }
  std::string out = fmt::format("<g transform=\"translate(0,{})\">\n", top);
  out += fmt::format("<text x=\"{}\" y=\"-8\" font-size=\"14\" font-weight=\"bold\">{}</text>\n", kLeft, escape(panel.title));
  out += fmt::format("<rect x=\"{}\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>\n", kLeft,
                     kPlotWidth, kPlotHeight);
  if (!std::isfinite(y_lo)) return out + fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\">no values</text>\n</g>\n",
                                                     kLeft + 10, kPlotHeight / 2);
  const double pad = y_hi > y_lo ? 0.05 * (y_hi - y_lo) : std::max(std::abs(y_hi) * 0.05, 1e-12);
  y_lo -= pad;
  y_hi += pad;
  auto px = [&](double x) { return kLeft + (x_hi > x_lo ? (x - x_lo) / (x_hi - x_lo) : 0.5) * kPlotWidth; };
  auto py = [&](double y) { return kPlotHeight - (y - y_lo) / (y_hi - y_lo) * kPlotHeight; };
  for (double t : nice_ticks(y_lo, y_hi)) {
    out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.2f}\" y2=\"{:.2f}\" stroke=\"#ddd\"/>\n", kLeft, kLeft + kPlotWidth,
                       py(t), py(t));
    out += fmt::format("<text x=\"{}\" y=\"{:.2f}\" font-size=\"11\" text-anchor=\"end\">{:.4g}</text>\n", kLeft - 6,
                       py(t) + 4, t);
  }
  for (double t : nice_ticks(x_lo, x_hi)) {
    out += fmt::format("<text x=\"{:.2f}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{:.6g}</text>\n", px(t),
                       kPlotHeight + 15, t);
  }
  // Legends right to left above the plot, further lines inside its top when they reach the title.
  const double right = kLeft + kPlotWidth - 10;
  double legend_x = right, legend_y = -8;
  for (auto it = panel.series.rbegin(); it != panel.series.rend(); ++it) {
    const Series& s = *it;
    if (s.points.empty()) continue;
    std::string points;
    for (const auto& [x, y] : s.points) points += fmt::format("{:.2f},{:.2f} ", px(x), py(y));
    points.pop_back();
    out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"{} points=\"{}\"><title>{}</title></polyline>\n",
                       s.color, s.dashed ? " stroke-dasharray=\"5,3\"" : "", points, escape(s.name));
    if (s.points.size() <= 60) {
      for (const auto& [x, y] : s.points) {
        out += fmt::format("<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"2.5\" fill=\"{}\"/>\n", px(x), py(y), s.color);
      }
    }
    const double width = 9.0 * static_cast<double>(s.name.size()) + 16;
    const double limit = legend_y < 0 ? kLeft + 9.0 * static_cast<double>(panel.title.size()) + 20 : kLeft;
    if (legend_x - width < limit && legend_x < right) {
      legend_x = right;
      legend_y = legend_y < 0 ? 14 : legend_y + 14;
    }
    out += fmt::format("<text x=\"{:.0f}\" y=\"{:.0f}\" font-size=\"12\" text-anchor=\"end\" fill=\"{}\">{}</text>\n",
                       legend_x, legend_y, s.color, escape(s.name));
    legend_x -= width;
  }
  return out + "</g>\n";
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo) || target < 1) return {lo};
  const double raw = (hi - lo) / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);  // no "-1e-17" labels
  }
  return ticks;
}

std::string plot_metrics_svg(const std::vector<MetricsRow>& rows, const std::string& title) {
  return plot_metrics_svg(std::vector<RunCurves>{{"", rows}}, title);
}

std::string plot_metrics_svg(const std::vector<RunCurves>& runs, const std::string& title) {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  for (const auto& run : runs) {
    if (run.rows.empty()) throw Error(fmt::format("{}: no metrics rows to plot", run.name.empty() ? title : run.name));
    for (const auto& row : run.rows) {
      x_lo = std::min(x_lo, static_cast<double>(row.step));
      x_hi = std::max(x_hi, static_cast<double>(row.step));
    }
  }
  if (runs.empty()) throw Error(fmt::format("{}: no metrics rows to plot", title));
  const std::vector<Panel> panels = panels_of(runs);
  const double height = kTop + static_cast<double>(panels.size()) * (kPanelHeight + kGap);
  std::string svg = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"24\" font-size=\"16\">{}</text>\n",
      kWidth, height, kLeft, escape(title));
  for (size_t i = 0; i < panels.size(); ++i) {
    svg += draw_panel(panels[i], kTop + kGap / 2 + static_cast<double>(i) * (kPanelHeight + kGap), x_lo, x_hi);
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">step</text>\n", kLeft + kPlotWidth / 2,
                     height - 6);
  return svg + "</svg>\n";
}

}  // namespace bx
