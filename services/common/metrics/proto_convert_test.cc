#include "services/common/metrics/proto_convert.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace berth::metrics {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(ProtoConvertTest, RoundTripsEveryField) {
  std::vector<MetricFamily> families = {{"h_seconds",
                                         "H.",
                                         MetricType::kHistogram,
                                         {{{{"a", "b"}}, 0, {{0.5, 1}, {kInf, 3}}, 2.5, 3}}},
                                        {"c_total",
                                         "C.\nwith newline",
                                         MetricType::kCounter,
                                         {{{{"x", "\"q\""}, {"y", ""}}, 7, {}, 0, 0}}},
                                        {"g", "", MetricType::kGauge, {{{}, -kInf, {}, 0, 0}}}};
  berth::metrics::v1::ScrapeResponse proto = ToProto(families);
  ASSERT_EQ(proto.families_size(), 3);
  EXPECT_EQ(proto.families(0).type(), berth::metrics::v1::HISTOGRAM);

  // Through the wire bytes, as berthd receives it.
  berth::metrics::v1::ScrapeResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(proto.SerializeAsString()));
  std::vector<MetricFamily> back = FromProto(parsed);
  ASSERT_EQ(back.size(), 3u);
  for (size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].name, families[i].name);
    EXPECT_EQ(back[i].help, families[i].help);
    EXPECT_EQ(back[i].type, families[i].type);
    ASSERT_EQ(back[i].samples.size(), families[i].samples.size());
    const Sample& got = back[i].samples[0];
    const Sample& want = families[i].samples[0];
    EXPECT_EQ(got.labels, want.labels);
    EXPECT_EQ(got.value, want.value);
    EXPECT_EQ(got.buckets, want.buckets);
    EXPECT_EQ(got.sum, want.sum);
    EXPECT_EQ(got.count, want.count);
  }
}

TEST(ProtoConvertTest, FromProtoDropsInvalidFamilies) {
  berth::metrics::v1::ScrapeResponse response;
  auto* bad_name = response.add_families();
  bad_name->set_name("bad name");
  bad_name->set_type(berth::metrics::v1::GAUGE);
  auto* untyped = response.add_families();
  untyped->set_name("untyped");
  auto* bad_label = response.add_families();
  bad_label->set_name("bad_label");
  bad_label->set_type(berth::metrics::v1::GAUGE);
  bad_label->add_samples()->add_labels()->set_name("__reserved");
  auto* good = response.add_families();
  good->set_name("good");
  good->set_type(berth::metrics::v1::GAUGE);
  std::vector<MetricFamily> families = FromProto(response);
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "good");
}

}  // namespace
}  // namespace berth::metrics
