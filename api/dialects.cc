// The list of dialects a node serves (see dialects.h).
#include "api/dialects.h"

#include "api/admin/admin_api.h"
#include "api/attio/attio_api.h"
#include "api/ocamba/ocamba_api.h"
#include "api/slashid/attributes_api.h"
#include "api/swift/swift_api.h"
#include "api/system_api.h"
#include "api/zitadel/grpc/grpc_web_routes.h"
#include "api/zitadel/zitadel_api.h"

namespace meridian::api {

const std::vector<const Dialect*>& AllDialects() {
  static const std::vector<const Dialect*> dialects = {
      &admin::AdminDialect(), &slashid::AttributesDialect(), &zitadel::ZitadelDialect(),
      &attio::AttioDialect(), &swift::SwiftDialect(),        &ocamba::OcambaDialect(),
  };
  return dialects;
}

void RegisterAllRoutes(Router& router, const ApiContext& ctx) {
  RegisterProbeRoutes(router, ctx);
  for (const Dialect* dialect : AllDialects()) Mount(router, ctx, *dialect);
  zitadel::grpc_web::RegisterRoutes(router, ctx);
}

}  // namespace meridian::api
