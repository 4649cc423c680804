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

void RegisterAllRoutes(Router& router, const ApiContext& ctx) {
  RegisterSystemRoutes(router, ctx);
  admin::RegisterAdminRoutes(router, ctx);
  slashid::RegisterAttributeRoutes(router, ctx);
  zitadel::RegisterRoutes(router, ctx);
  zitadel::grpc_web::RegisterRoutes(router, ctx);
  attio::RegisterRoutes(router, ctx);
  swift::RegisterRoutes(router, ctx);
  ocamba::RegisterRoutes(router, ctx);
}

}  // namespace meridian::api
