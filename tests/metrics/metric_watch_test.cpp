// MetricWatch: direction per metric, patience counting, memory through a checkpoint's tracking.
#include <doctest/doctest.h>

#include "blox/metrics/metric_watch.h"

using namespace bx;

TEST_CASE("MetricWatch: higher accuracy and lower loss improve; other metrics change nothing") {
  MetricWatch accuracy("keep_best", "accuracy"), loss("early_stopping", "loss");
  CHECK(accuracy.update({{"accuracy", 0.5}, {"loss", 1.0}}));
  CHECK(loss.update({{"accuracy", 0.5}, {"loss", 1.0}}));
  CHECK_FALSE(accuracy.update({{"accuracy", 0.4}, {"loss", 0.8}}));
  CHECK(loss.update({{"accuracy", 0.4}, {"loss", 0.8}}));
  CHECK_FALSE(accuracy.update({{"accuracy", 0.5}}));  // equal is no gain
  CHECK(accuracy.evaluations_without_gain() == 2);
  CHECK_FALSE(accuracy.update({{"loss", 0.1}}));  // no accuracy in it: not counted
  CHECK(accuracy.evaluations_without_gain() == 2);
  CHECK(accuracy.update({{"accuracy", 0.6}}));
  CHECK(accuracy.evaluations_without_gain() == 0);
  CHECK(*accuracy.best() == 0.6);
  CHECK(*loss.best() == 0.8);
  CHECK(lower_is_better("perplexity"));
  CHECK_FALSE(lower_is_better("top5_accuracy"));
  CHECK(lower_is_better("rmse"));
  CHECK(lower_is_better("mae"));
  CHECK_FALSE(lower_is_better("r2"));
  CHECK_FALSE(lower_is_better("f1"));
  MetricWatch off("early_stopping", "");
  CHECK_FALSE(off.update({{"accuracy", 1.0}}));
}

TEST_CASE("MetricWatch: save then restore gives the same decisions") {
  MetricWatch a("early_stopping", "accuracy");
  a.update({{"accuracy", 0.7}});
  a.update({{"accuracy", 0.6}});
  std::map<std::string, double> tracking;
  a.save(tracking);
  CHECK(tracking.at("early_stopping/best/accuracy") == 0.7);
  CHECK(tracking.at("early_stopping/evaluations_without_gain") == 1);
  MetricWatch b("early_stopping", "accuracy");
  b.restore(tracking);
  CHECK(*b.best() == 0.7);
  CHECK(b.evaluations_without_gain() == 1);
  CHECK_FALSE(b.update({{"accuracy", 0.65}}));
  CHECK(b.evaluations_without_gain() == 2);
  MetricWatch fresh("keep_best", "accuracy");
  fresh.restore(tracking);  // another watch's keys: nothing to restore
  CHECK_FALSE(fresh.best().has_value());
}
