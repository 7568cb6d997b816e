"""Texts written for the index and understanding tests."""

PHOTOSYNTHESIS = """# Photosynthesis

## Overview

Photosynthesis is the process by which green plants convert light energy into chemical energy stored in glucose. It takes place in the chloroplast, an organelle found in the cells of leaves. Chlorophyll is a green pigment that absorbs red and blue light.

## Light reactions

The light-dependent reactions occur in the thylakoid membrane of the chloroplast. Light causes the splitting of water molecules, which releases oxygen as a by-product. The thylakoid is part of the chloroplast. ATP and NADPH produced here carry energy to the next stage.

## Calvin cycle

The Calvin cycle is a series of reactions that fixes carbon dioxide into sugar. It takes place in the stroma, the fluid that surrounds the thylakoids. The enzyme RuBisCO catches carbon dioxide from the air. Without light, the Calvin cycle slows down because ATP and NADPH run out.
"""

PHOTOSYNTHESIS_PARAPHRASE = """# How plants make food

## The big picture

Photosynthesis is how green plants turn the energy of light into chemical energy kept in glucose. The process happens inside the chloroplast, an organelle present in leaf cells. Chlorophyll, a green pigment, absorbs blue and red light.

## Reactions that need light

The reactions that depend on light happen in the chloroplast's thylakoid membrane. Light splits water molecules and this releases oxygen as a by-product. ATP and NADPH made at this step carry the energy on to the following stage.

## The Calvin cycle

The Calvin cycle is a sequence of reactions fixing carbon dioxide into sugar. It happens in the stroma, the liquid around the thylakoids. RuBisCO, an enzyme, captures carbon dioxide from the air. When there is no light the Calvin cycle slows, since ATP and NADPH are used up.
"""

VOLCANOES = """# Volcanoes

## What a volcano is

A volcano is an opening in the crust of a planet through which molten rock, ash and gases escape. Magma is molten rock stored beneath the surface in a magma chamber. When magma reaches the surface it is called lava.

## Eruptions

Pressure from dissolved gases causes explosive eruptions. Mount Vesuvius is located in Italy, near the city of Naples. Its eruption in 79 AD buried the Roman town of Pompeii under metres of ash. A pyroclastic flow is a fast-moving current of hot gas and volcanic matter.

## Volcanic soils

Volcanic ash weathers into fertile soil. Farmers on the slopes of Mount Etna grow grapes and citrus fruit. The magma chamber is part of the volcano's plumbing system.
"""

TREES = """# Trees and forests

## Leaves and light

Leaves are the main site where trees capture sunlight. A deciduous tree is a tree that sheds its leaves every autumn. Forests cover about a third of the land on Earth and store large amounts of carbon in wood and soil.

## Roots

Roots anchor a tree in the soil and take up water and minerals. Fungi that grow around roots help trees absorb phosphorus, and in return receive sugar from the tree.
"""
