package org.helix.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket at the socket level, for what well-behaved clients never do: vanish without a close frame, or
 * stop reading while the server keeps writing.
 */
public final class RawWebSocket implements AutoCloseable {

    private final Socket socket;
    private final DataInputStream in;

    private RawWebSocket(Socket socket, DataInputStream in) {
        this.socket = socket;
        this.in = in;
    }

    /** Handshakes on {@code /ws?query}; a small receive buffer makes a non-reading client fill up fast. */
    public static RawWebSocket open(int port, String query, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /ws" + (query == null ? "" : "?" + query) + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        String status = readLine(in);
        if (!status.contains(" 101 ")) {
            socket.close();
            throw new IOException("upgrade refused: " + status);
        }
        while (!readLine(in).isEmpty()) {
            // headers
        }
        return new RawWebSocket(socket, in);
    }

    /** Reads frames until a close frame; returns its status code (-1 if the connection ended without one). */
    public int awaitCloseCode() throws IOException {
        try {
            while (true) {
                int first = in.readUnsignedByte();
                int second = in.readUnsignedByte();
                long length = second & 0x7f;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                byte[] payload = new byte[(int) length];
                in.readFully(payload);
                if ((first & 0x0f) == 0x8) {
                    return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                }
            }
        } catch (java.io.EOFException | java.net.SocketException e) {
            return -1;
        }
    }

    /**
     * Reads one data frame's text, answering pings on the way (a masked pong, as a client must); null at a close
     * frame or the end of the connection.
     */
    public String readText() throws IOException {
        try {
            while (true) {
                int first = in.readUnsignedByte();
                int second = in.readUnsignedByte();
                long length = second & 0x7f;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                byte[] payload = new byte[(int) length];
                in.readFully(payload);
                switch (first & 0x0f) {
                    case 0x1 -> {
                        return new String(payload, StandardCharsets.UTF_8);
                    }
                    case 0x8 -> {
                        return null;
                    }
                    case 0x9 -> pong(payload);
                    default -> {
                        // pongs and anything else: nothing to do
                    }
                }
            }
        } catch (java.io.EOFException | java.net.SocketException e) {
            return null;
        }
    }

    private void pong(byte[] payload) throws IOException {
        // client frames are masked; a zero mask keeps the payload as it is
        OutputStream out = socket.getOutputStream();
        out.write(new byte[] {(byte) 0x8a, (byte) (0x80 | payload.length), 0, 0, 0, 0});
        out.write(payload);
        out.flush();
    }

    /** Vanishes: a TCP reset, no close frame. */
    public void drop() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.write(c);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
