// meridianctl's output: aligned tables for people, JSON for scripts (-o json). Writes stdout.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

namespace meridian::ctl {

// Columns padded to their widest cell, two spaces apart; headers upper-case as given.
void PrintTable(const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows);
// One JSON document and a newline.
void PrintJson(const boost::json::value& v);
// A JSON value as a table cell: strings bare, everything else serialized; "" for null.
std::string Cell(const boost::json::value* v);

}  // namespace meridian::ctl
