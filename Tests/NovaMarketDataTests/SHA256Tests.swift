import Testing
import NovaTestSupport
@testable import NovaMarketData

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func fipsVectors(input: String, digest: String) {
        #expect(SHA256.hex(of: Array(input.utf8)) == digest)
    }

    @Test func millionAsInOddChunks() {
        var h = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 999)
        var left = 1_000_000
        while left > 0 { let n = min(left, chunk.count); h.update(Array(chunk.prefix(n))); left -= n }
        #expect(h.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func fingerprintEqualsSha256sumOfTheFileOnDisk() throws {
        var stream = ByteStream(path: Fixtures.path("btcusdt-1m-200.csv.zst"))
        try stream.forEachChunk { _ in }
        #expect(stream.fingerprint == "be975a14b93d5a04521548e1239baab62a74bd8a028e42c098602a324a75e343")
    }
}
