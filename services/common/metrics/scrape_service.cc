#include "services/common/metrics/scrape_service.h"

#include "services/common/metrics/proto_convert.h"

namespace berth::metrics {

grpc::Status ScrapeService::Scrape(grpc::ServerContext* /*context*/,
                                   const berth::metrics::v1::ScrapeRequest* /*request*/,
                                   berth::metrics::v1::ScrapeResponse* response) {
  *response = ToProto(registry_.Collect());
  return grpc::Status::OK;
}

}  // namespace berth::metrics
