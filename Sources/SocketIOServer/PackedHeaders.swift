import HTTPTypes

/// Header fields kept for a connection's lifetime, packed into one byte array.
///
/// `HTTPFields` holds a storage object, an array of fields and a string or two per field: a few
/// hundred bytes per connection that are read only while the client connects (authentication,
/// a proxy's forwarded-for header) or rarely later (a cluster's socket listing). Packed, they are
/// one allocation; reading them rebuilds the fields.
struct PackedHeaders: Sendable {
    /// `name NUL value NUL` for every field, in order.
    private let bytes: [UInt8]

    init(_ fields: HTTPFields) {
        var bytes: [UInt8] = []
        var size = 0
        for field in fields { size += field.name.rawName.utf8.count + field.value.utf8.count + 2 }
        bytes.reserveCapacity(size)
        for field in fields {
            bytes.append(contentsOf: field.name.rawName.utf8)
            bytes.append(0)
            bytes.append(contentsOf: field.value.utf8)
            bytes.append(0)
        }
        self.bytes = bytes
    }

    /// The fields, as they were given.
    var fields: HTTPFields {
        var fields = HTTPFields()
        var parts = bytes.split(separator: 0, omittingEmptySubsequences: false).makeIterator()
        while let name = parts.next(), let value = parts.next() {
            guard let name = HTTPField.Name(String(decoding: name, as: UTF8.self)) else { continue }
            fields.append(HTTPField(name: name, value: String(decoding: value, as: UTF8.self)))
        }
        return fields
    }
}
