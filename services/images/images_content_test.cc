// The content calls other services use (commit's layer): a blob is stored
// under its digest only when its bytes and size match, and reads back.

#include <cstdlib>

#include <grpcpp/create_channel.h>
#include <grpcpp/server_builder.h>

#include "gtest/gtest.h"
#include "services/common/digest/sha256.h"
#include "services/common/fs/fs_util.h"
#include "services/images/images_service.h"

namespace berth::images {
namespace {

class ImagesContentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(fs::RemoveAll(root_).ok());
    auto store = ContentStore::Open(root_);
    ASSERT_TRUE(store.ok()) << store.status();
    content_ = *std::move(store);
    service_ = std::make_unique<ImagesService>(&config_, content_.get(), nullptr, nullptr);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::Images::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override { server_->Shutdown(); }

  grpc::Status Write(const std::string& digest, int64_t size, const std::string& data) {
    grpc::ClientContext context;
    v1::WriteContentResponse response;
    auto writer = stub_->WriteContent(&context, &response);
    v1::WriteContentRequest header;
    header.mutable_header()->mutable_expected()->set_digest(digest);
    header.mutable_header()->mutable_expected()->set_size(size);
    writer->Write(header);
    for (size_t offset = 0; offset < data.size(); offset += 1000) {
      v1::WriteContentRequest chunk;
      chunk.set_data(data.substr(offset, 1000));
      writer->Write(chunk);
    }
    writer->WritesDone();
    return writer->Finish();
  }

  std::string root_;
  config::LiveConfig config_{config::DaemonConfig()};
  std::unique_ptr<ContentStore> content_;
  std::unique_ptr<ImagesService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Images::Stub> stub_;
};

TEST_F(ImagesContentTest, StoresOnlyWhatMatchesItsDigestAndSize) {
  std::string data(5500, 'L');
  std::string digest = Sha256::Of(data);
  EXPECT_FALSE(Write(digest, 5500, data.substr(0, 5499) + "X").ok());
  EXPECT_FALSE(content_->Exists(digest)) << "stored with the wrong bytes";
  EXPECT_FALSE(Write(digest, 5499, data.substr(0, 5499)).ok());
  EXPECT_FALSE(content_->Exists(digest)) << "stored short";
  EXPECT_FALSE(Write("sha256:nothex", 1, "x").ok());

  ASSERT_TRUE(Write(digest, 5500, data).ok());
  ASSERT_TRUE(content_->Exists(digest));
  // Again: already there, nothing to do.
  EXPECT_TRUE(Write(digest, 5500, data).ok());

  grpc::ClientContext info_context;
  v1::ContentInfoRequest info_request;
  info_request.set_digest(digest);
  v1::ContentInfoResponse info;
  ASSERT_TRUE(stub_->ContentInfo(&info_context, info_request, &info).ok());
  EXPECT_EQ(info.size(), 5500);

  grpc::ClientContext read_context;
  v1::ReadContentRequest read;
  read.set_digest(digest);
  read.set_offset(100);
  read.set_size(50);
  auto reader = stub_->ReadContent(&read_context, read);
  std::string got;
  berth::types::v1::DataChunk chunk;
  while (reader->Read(&chunk)) got += chunk.data();
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(got, data.substr(100, 50));
}

}  // namespace
}  // namespace berth::images
