#ifndef BERTH_SERVICES_BUILDER_DISPATCH_BUILD_OUTPUT_H_
#define BERTH_SERVICES_BUILDER_DISPATCH_BUILD_OUTPUT_H_

// The lines docker's classic builder prints around the steps, for the
// builder's output stream to match docker's.

#include <string>

#include "services/builder/dockerfile/instruction.h"
#include "services/builder/dockerfile/stages.h"

namespace berth::builder {

// Every global ARG, FROM and instruction is one step.
int TotalSteps(const Stages& stages);

// "Step 3/7 : RUN make": the instruction as written, continuations joined.
std::string StepLine(int step, int total, const Instruction& instruction);

// "# Executing 2 build triggers", before the base image's ONBUILD triggers.
std::string BuildTriggersBanner(size_t count);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DISPATCH_BUILD_OUTPUT_H_
