// Hand-written SVG: a few panels of polylines need no plotting library.
#include "blox/train/metrics_plot.h"

#include <algorithm>
#include <cmath>
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
};

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

// `key` selects the value (a metric's name), `label` is what the legend says.
Series series_of(const std::vector<MetricsRow>& rows, const std::string& key, const std::string& label,
                 const char* color, double (*value)(const MetricsRow&, const std::string&)) {
  Series s{label, color, {}};
  for (const auto& row : rows) {
    const double v = value(row, key);
    if (std::isfinite(v)) s.points.emplace_back(static_cast<double>(row.step), v);
  }
  return s;
}

double metric_value(const MetricsRow& row, const std::string& name) {
  auto it = row.metrics.find(name);
  return it == row.metrics.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
}

std::vector<Panel> panels_of(const std::vector<MetricsRow>& rows) {
  std::vector<std::string> metrics;
  for (const auto& row : rows) {
    for (const auto& [name, value] : row.metrics) {
      if (name != "loss" && std::find(metrics.begin(), metrics.end(), name) == metrics.end()) metrics.push_back(name);
    }
  }
  std::vector<Panel> panels;
  Panel losses{"loss", {}};
  losses.series.push_back(
      series_of(rows, "train_loss", "train loss", "#1f77b4", [](const MetricsRow& r, const std::string&) { return r.train_loss; }));
  losses.series.push_back(series_of(rows, "loss", "evaluation loss", "#d62728", metric_value));
  panels.push_back(std::move(losses));
  for (const auto& name : metrics) panels.push_back({name, {series_of(rows, name, name, "#2ca02c", metric_value)}});
  panels.push_back({"learning rate", {series_of(rows, "lr", "lr", "#7f7f7f", [](const MetricsRow& r, const std::string&) {
                      return r.lr;
                    })}});
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
  double legend_x = kLeft + kPlotWidth - 10;
  for (auto it = panel.series.rbegin(); it != panel.series.rend(); ++it) {
    const Series& s = *it;
    if (s.points.empty()) continue;
    std::string points;
    for (const auto& [x, y] : s.points) points += fmt::format("{:.2f},{:.2f} ", px(x), py(y));
    points.pop_back();
    out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"><title>{}</title></polyline>\n",
                       s.color, points, escape(s.name));
    if (s.points.size() <= 60) {
      for (const auto& [x, y] : s.points) {
        out += fmt::format("<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"2.5\" fill=\"{}\"/>\n", px(x), py(y), s.color);
      }
    }
    out += fmt::format("<text x=\"{:.0f}\" y=\"-8\" font-size=\"12\" text-anchor=\"end\" fill=\"{}\">{}</text>\n",
                       legend_x, s.color, escape(s.name));
    legend_x -= 9.0 * static_cast<double>(s.name.size()) + 16;
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
  if (rows.empty()) throw Error(fmt::format("{}: no metrics rows to plot", title));
  double x_lo = static_cast<double>(rows.front().step), x_hi = x_lo;
  for (const auto& row : rows) {
    x_lo = std::min(x_lo, static_cast<double>(row.step));
    x_hi = std::max(x_hi, static_cast<double>(row.step));
  }
  const std::vector<Panel> panels = panels_of(rows);
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
