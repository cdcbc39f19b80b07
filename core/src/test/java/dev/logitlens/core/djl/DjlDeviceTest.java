package dev.logitlens.core.djl;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DjlDeviceTest {
    @Test
    void offlineFlagsAreSetBeforeDjlLoads() {
        Djl.engine();
        assertEquals("true", System.getProperty("ai.djl.offline"));
        assertEquals("PyTorch", Djl.engine().getEngineName());
    }

    @Test
    void cpuAndAutoFallbackWithWarning() {
        assertEquals(Device.cpu(), Djl.device("cpu", w -> { }));
        assumeTrue(Djl.engine().getGpuCount() == 0, "a GPU is present");
        List<String> warnings = new ArrayList<>();
        assertEquals(Device.cpu(), Djl.device("auto", warnings::add));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("running on the CPU") && warnings.get(0).contains("PYTORCH_LIBRARY_PATH"));
    }

    @Test
    void cudaWithoutGpuExplainsHowToGetOne() {
        assumeTrue(Djl.engine().getGpuCount() == 0, "a GPU is present");
        Djl.DeviceException e = assertThrows(Djl.DeviceException.class, () -> Djl.device("cuda:0", w -> { }));
        assertTrue(e.getMessage().startsWith("device 'cuda:0': the loaded libtorch"), e.getMessage());
        assertTrue(e.getMessage().contains("PYTORCH_LIBRARY_PATH") && e.getMessage().contains("cu128"), e.getMessage());
    }

    @Test
    void unknownDeviceSpec() {
        Djl.DeviceException e = assertThrows(Djl.DeviceException.class, () -> Djl.device("tpu", w -> { }));
        assertEquals("device 'tpu' is not one of: auto, cpu, cuda, cuda:N", e.getMessage());
    }
}
