package dev.logitlens.core.source;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.LongSupplier;

/**
 * Writes a response body to a file as it arrives. Every byte received stays on disk when the
 * connection drops, so the next attempt resumes from there; {@link #lastActivity()} lets the caller
 * notice a stalled connection (the JDK client has no read timeout for bodies).
 */
final class FileSink implements HttpResponse.BodySubscriber<Void> {

    private final FileChannel channel;
    private final Progress progress;
    private final LongSupplier clock;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;
    private volatile long lastActivity;

    FileSink(Path file, boolean append, Progress progress, LongSupplier clock) throws IOException {
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        this.progress = progress;
        this.clock = clock;
        this.lastActivity = clock.getAsLong();
    }

    long lastActivity() {
        return lastActivity;
    }

    Progress progress() {
        return progress;
    }

    @Override
    public CompletionStage<Void> getBody() {
        return done;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        try {
            long n = 0;
            for (ByteBuffer b : items) {
                while (b.hasRemaining()) {
                    n += channel.write(b);
                }
            }
            lastActivity = clock.getAsLong();
            progress.advance(n);
            subscription.request(1);
        } catch (IOException e) {
            subscription.cancel();
            fail(e);
        }
    }

    @Override
    public void onError(Throwable t) {
        fail(t);
    }

    @Override
    public void onComplete() {
        close();
        done.complete(null);
    }

    /** Stops receiving; what was written stays. */
    void cancel() {
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        fail(new IOException("download cancelled"));
    }

    void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the data already written is what matters; a failing close loses nothing more
        }
    }

    private void fail(Throwable t) {
        close();
        done.completeExceptionally(t);
    }
}
