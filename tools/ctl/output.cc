// meridianctl's output (see output.h).
#include "output.h"

#include <boost/json.hpp>
#include <cstdio>

namespace meridian::ctl {

void PrintTable(const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) width[i] = headers[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  auto print = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size() && i < width.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) line += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  };
  print(headers);
  for (const auto& row : rows) print(row);
}

void PrintJson(const boost::json::value& v) {
  std::printf("%s\n", boost::json::serialize(v).c_str());
}

std::string Cell(const boost::json::value* v) {
  if (v == nullptr || v->is_null()) return "";
  if (v->is_string()) return std::string(v->as_string());
  return boost::json::serialize(*v);
}

}  // namespace meridian::ctl
