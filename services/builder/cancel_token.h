#ifndef BERTH_SERVICES_BUILDER_CANCEL_TOKEN_H_
#define BERTH_SERVICES_BUILDER_CANCEL_TOKEN_H_

// A build's cancellation: when its client goes away, the call in flight
// (a RUN's attach, a pull) is cancelled so the step ends and its container
// is removed, rather than running on for nobody.

#include <set>

#include <grpcpp/client_context.h>

#include "absl/synchronization/mutex.h"

namespace berth::builder {

class CancelToken {
 public:
  void Cancel() {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    for (grpc::ClientContext* context : calls_) context->TryCancel();
  }
  bool cancelled() const {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

  // Registers a call for the scope of this object.
  class Scope {
   public:
    Scope(CancelToken* token, grpc::ClientContext* context) : token_(token), context_(context) {
      if (token_ == nullptr) return;
      absl::MutexLock lock(&token_->mu_);
      if (token_->cancelled_) context_->TryCancel();
      token_->calls_.insert(context_);
    }
    ~Scope() {
      if (token_ == nullptr) return;
      absl::MutexLock lock(&token_->mu_);
      token_->calls_.erase(context_);
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    CancelToken* token_;
    grpc::ClientContext* context_;
  };

 private:
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::set<grpc::ClientContext*> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_CANCEL_TOKEN_H_
